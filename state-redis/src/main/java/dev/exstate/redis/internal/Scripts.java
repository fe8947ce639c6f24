package dev.exstate.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Lua scripts of the Redis providers, loaded once from the class path. Not API. */
public final class Scripts {
    public static final LuaScript SESSION_CREATE = load("session-create");
    public static final LuaScript SESSION_FIND = load("session-find");
    public static final LuaScript SESSION_TOUCH = load("session-touch");
    public static final LuaScript SESSION_SAVE = load("session-save");
    public static final LuaScript SESSION_CAS = load("session-cas");
    public static final LuaScript SESSION_ROTATE_OUT = load("session-rotate-out");
    public static final LuaScript SESSION_ROTATE_IN = load("session-rotate-in");
    public static final LuaScript SESSION_UNROTATE = load("session-unrotate");
    public static final LuaScript SESSION_DELETE = load("session-delete");
    public static final LuaScript LEASE_ACQUIRE = load("lease-acquire");
    public static final LuaScript LEASE_RENEW = load("lease-renew");
    public static final LuaScript LEASE_RELEASE = load("lease-release");
    public static final LuaScript LEASE_CLAIM_TICK = load("lease-claim-tick");

    private Scripts() {
    }

    private static LuaScript load(String name) {
        String resource = name + ".lua";
        try (InputStream in = Scripts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + resource + " is missing from the state-redis jar");
            }
            return new LuaScript(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Lua script " + resource, e);
        }
    }
}
