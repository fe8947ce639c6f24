package dev.exstate.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.exstate.objectstore.internal.Checksums;
import dev.exstate.objectstore.internal.VerifyingInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** ETags and download verification, checked against values an S3 server (s3proxy) reported. */
@DisplayName("checksums and verified downloads")
class ChecksumsTest {

    /** Parts s3proxy stored as {@code "e371e5b9ee5c90df6f9facad043f4202-2"}: 5 MiB from Random(1), then 1000 bytes from Random(2). */
    private static byte[] twoParts() {
        byte[] p1 = new byte[5 * 1024 * 1024];
        new Random(1).nextBytes(p1);
        byte[] p2 = new byte[1000];
        new Random(2).nextBytes(p2);
        byte[] all = new byte[p1.length + p2.length];
        System.arraycopy(p1, 0, all, 0, p1.length);
        System.arraycopy(p2, 0, all, p1.length, p2.length);
        return all;
    }

    private static byte[] md5(byte[] data, int length) {
        MessageDigest md = Checksums.md5();
        md.update(data, 0, length);
        return md.digest();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Test
    @DisplayName("the multipart ETag is the MD5 of the parts' MD5s and the part count, as S3 computes it")
    void multipartEtag() {
        byte[] all = twoParts();
        Checksums.MultipartEtag etag = new Checksums.MultipartEtag();
        etag.addPart(md5(all, 5 * 1024 * 1024));
        byte[] rest = new byte[1000];
        System.arraycopy(all, 5 * 1024 * 1024, rest, 0, 1000);
        etag.addPart(md5(rest, 1000));

        assertThat(etag.finish()).isEqualTo("e371e5b9ee5c90df6f9facad043f4202-2");
        assertThat(Checksums.isMultipartEtag("\"e371e5b9ee5c90df6f9facad043f4202-2\"")).isTrue();
        assertThat(Checksums.isMd5Etag("\"5d41402abc4b2a76b9719d911017c592\"")).isTrue();
        assertThat(Checksums.sameEtag("\"abc\"", "abc")).isTrue();
    }

    @Test
    @DisplayName("a verified stream passes intact content and rejects one changed byte at end of stream")
    void verifyingStream() throws IOException {
        byte[] all = twoParts();
        VerifyingInputStream.Expected multipart = new VerifyingInputStream.Multipart("\"e371e5b9ee5c90df6f9facad043f4202-2\"", 5 * 1024 * 1024);

        assertThat(readAll(new VerifyingInputStream(new ByteArrayInputStream(all), "k", all.length, multipart))).isEqualTo(all);

        all[12345] ^= 1;
        assertThatThrownBy(() -> readAll(new VerifyingInputStream(new ByteArrayInputStream(all), "k", all.length, multipart)))
                .isInstanceOf(BlobIntegrityException.class)
                .hasMessageContaining("multipart ETag");
    }

    @Test
    @DisplayName("a verified stream rejects content of the wrong length and a wrong MD5")
    void lengthAndMd5() throws IOException {
        byte[] hello = "hello".getBytes();
        VerifyingInputStream.Expected md5 = new VerifyingInputStream.Md5("5d41402abc4b2a76b9719d911017c592");

        assertThat(readAll(new VerifyingInputStream(new ByteArrayInputStream(hello), "k", 5, md5))).isEqualTo(hello);
        assertThatThrownBy(() -> readAll(new VerifyingInputStream(new ByteArrayInputStream(hello), "k", 6, md5)))
                .isInstanceOf(BlobIntegrityException.class).hasMessageContaining("read 5 bytes");
        assertThatThrownBy(() -> readAll(new VerifyingInputStream(new ByteArrayInputStream("hellO".getBytes()), "k", 5, md5)))
                .isInstanceOf(BlobIntegrityException.class).hasMessageContaining("MD5");
    }
}
