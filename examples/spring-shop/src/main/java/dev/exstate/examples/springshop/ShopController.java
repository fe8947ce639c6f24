package dev.exstate.examples.springshop;

import dev.exstate.blob.Blob;
import dev.exstate.blob.BlobPreconditionFailedException;
import dev.exstate.blob.BlobStore;
import dev.exstate.blob.PutOptions;
import dev.exstate.guard.StateException;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The shop's HTTP API, the same as the plain-Java demo's:
 * <ul>
 *   <li>{@code GET /cart}: the session's cart; {@code POST /cart/items} (body: the item) adds one;</li>
 *   <li>{@code GET /flags}: the live flags from {@link ShopProperties};</li>
 *   <li>{@code POST /files} (body: the bytes) stores a file under the SHA-256 of its content and
 *       answers that key (201, or 200 if it was there already); {@code GET /files/{key}} returns it;</li>
 *   <li>{@code GET /report/runs}: the report ticks this instance ran.</li>
 * </ul>
 * No field holds state: every answer comes from the session, the live config or the blob store.
 */
@RestController
class ShopController {
    private static final Logger LOG = LoggerFactory.getLogger(ShopController.class);
    private static final String CART = "cart";
    private static final int MAX_FILE_BYTES = 10 << 20;
    private static final Pattern CONTENT_KEY = Pattern.compile("[0-9a-f]{64}");

    private final ShopProperties flags;
    private final BlobStore files;
    private final ReportJob report;

    ShopController(ShopProperties flags, BlobStore files, ReportJob report) {
        this.flags = flags;
        this.files = files;
        this.report = report;
    }

    @GetMapping(path = "/cart", produces = MediaType.APPLICATION_JSON_VALUE)
    Cart cart(HttpSession session) {
        return cartOf(session);
    }

    @PostMapping(path = "/cart/items", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> addItem(HttpSession session, @RequestBody(required = false) String body) {
        String item = body == null ? "" : body.strip();
        if (item.isEmpty() || item.length() > 100) {
            return text(HttpStatus.BAD_REQUEST, "the body must be an item name of 1 to 100 characters");
        }
        Cart cart = cartOf(session).with(item);
        // saved to Redis by Spring Session's filter when the request ends: no save() to forget
        session.setAttribute(CART, cart);
        return ResponseEntity.ok(cart);
    }

    @GetMapping(path = "/flags", produces = MediaType.TEXT_PLAIN_VALUE)
    String flags() {
        return flags.render();
    }

    @PostMapping("/files")
    ResponseEntity<String> upload(@RequestBody(required = false) byte[] body,
                                  @RequestHeader(name = "Content-Type", required = false) String contentType) {
        if (body == null || body.length > MAX_FILE_BYTES) {
            return text(HttpStatus.PAYLOAD_TOO_LARGE, "a file has 1 to " + MAX_FILE_BYTES + " bytes");
        }
        String key = sha256(body);
        HttpStatus status = HttpStatus.CREATED;
        try {
            // create-only: a retried or repeated upload of the same content is harmless
            files.put(key, body, PutOptions.ifAbsent().withContentType(
                    Optional.ofNullable(contentType).orElse(PutOptions.DEFAULT_CONTENT_TYPE)));
        } catch (BlobPreconditionFailedException alreadyThere) {
            status = HttpStatus.OK;
        }
        return text(status, key);
    }

    @GetMapping("/files/{key}")
    ResponseEntity<?> download(@PathVariable String key) throws IOException {
        if (!CONTENT_KEY.matcher(key).matches()) {
            return text(HttpStatus.BAD_REQUEST, "a file key is 64 lower-case hex digits");
        }
        Optional<Blob> blob = files.get(key);
        if (blob.isEmpty()) {
            return text(HttpStatus.NOT_FOUND, "no such file");
        }
        try (Blob b = blob.get()) {
            return ResponseEntity.ok().contentType(MediaType.parseMediaType(b.info().contentType())).body(b.readAllBytes());
        }
    }

    @GetMapping(path = "/report/runs", produces = MediaType.APPLICATION_JSON_VALUE)
    Object reportRuns() {
        return report.runs();
    }

    /** A state backend is down or slow: 503 lets the balancer retry on another instance. */
    @ExceptionHandler(StateException.class)
    ResponseEntity<String> unavailable(StateException e) {
        LOG.warn("state backend unavailable: {}", e.getMessage());
        return text(HttpStatus.SERVICE_UNAVAILABLE, "state backend unavailable: " + e.backend() + " " + e.operation());
    }

    private static Cart cartOf(HttpSession session) {
        return session.getAttribute(CART) instanceof Cart c ? c : Cart.empty();
    }

    private static ResponseEntity<String> text(HttpStatus status, String body) {
        return ResponseEntity.status(status).contentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8)).body(body);
    }

    private static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
