package dev.exstate.testkit.hidden;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.Source;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The literal constants of a class file (its constant pool), for what ArchUnit does not show:
 * the arguments of a call. Only the facts a rule needs are kept: the strings and the ints.
 */
record ClassFileConstants(Set<String> strings, Set<Integer> ints) {
    private static final ClassFileConstants NONE = new ClassFileConstants(Set.of(), Set.of());

    /** The constants of {@code javaClass}'s class file, or none if it cannot be read. */
    static ClassFileConstants of(JavaClass javaClass) {
        Optional<Source> source = javaClass.getSource();
        if (source.isEmpty()) {
            return NONE;
        }
        try (InputStream in = source.get().getUri().toURL().openStream()) {
            return read(new DataInputStream(new BufferedInputStream(in)));
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    private static ClassFileConstants read(DataInputStream in) throws IOException {
        if (in.readInt() != 0xCAFEBABE) {
            return NONE;
        }
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        Set<String> strings = new HashSet<>();
        Set<Integer> ints = new HashSet<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> strings.add(in.readUTF());
                case 3 -> ints.add(in.readInt());
                case 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++; // a long or double takes two slots
                }
                case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
                case 9, 10, 11, 12, 17, 18 -> in.readInt();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                default -> {
                    return NONE; // a tag this reader does not know: claim nothing
                }
            }
        }
        return new ClassFileConstants(Set.copyOf(strings), Set.copyOf(ints));
    }
}
