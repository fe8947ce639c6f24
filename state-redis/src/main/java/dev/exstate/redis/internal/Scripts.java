package dev.exstate.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Lua scripts of the Redis providers, loaded once from the class path. Not API. */
public final class Scripts {
    public static final LuaScript SESSION_CREATE = session("session-create", "session.create");
    public static final LuaScript SESSION_TOUCH = session("session-touch", "session.touch");
    public static final LuaScript SESSION_SAVE = session("session-save", "session.save");
    public static final LuaScript SESSION_CAS = session("session-cas", "session.compute");
    public static final LuaScript SESSION_ROTATE_OUT = session("session-rotate-out", "session.rotateId");
    public static final LuaScript SESSION_ROTATE_IN = session("session-rotate-in", "session.rotateId.write");
    public static final LuaScript SESSION_UNROTATE = session("session-unrotate", "session.rotateId.undo");
    public static final LuaScript SESSION_DELETE = session("session-delete", "session.invalidate");
    public static final LuaScript LEASE_ACQUIRE = lease("lease-acquire");
    public static final LuaScript LEASE_RENEW = load("lease-renew");
    public static final LuaScript LEASE_RELEASE = load("lease-release");
    public static final LuaScript LEASE_CLAIM_TICK = lease("lease-claim-tick");

    private Scripts() {
    }

    /** A script named {@code lease-acquire} does the operation {@code lease.acquire}. */
    private static LuaScript load(String name) {
        return new LuaScript(name, name.replaceFirst("-", "."), read(name));
    }

    /**
     * A session script, after the shared checks of {@code session-lib.lua}: every session script
     * validates its arguments and the session's metadata before its first write.
     */
    private static LuaScript session(String name, String operation) {
        return new LuaScript(name, operation, read("session-lib") + "\n" + read(name));
    }

    /** A script that takes a lease, after the shared steps of {@code lease-lib.lua}. */
    private static LuaScript lease(String name) {
        return new LuaScript(name, name.replaceFirst("-", "."), read("lease-lib") + "\n" + read(name));
    }

    private static String read(String name) {
        String resource = name + ".lua";
        try (InputStream in = Scripts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + resource + " is missing from the state-redis jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Lua script " + resource, e);
        }
    }
}
