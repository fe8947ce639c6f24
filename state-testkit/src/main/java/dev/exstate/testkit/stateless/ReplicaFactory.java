package dev.exstate.testkit.stateless;

/**
 * Starts one replica of the service under test in a given {@link World}.
 *
 * <p>All replicas of the checked group get the same world and must share its backends (the same
 * in-memory backend, the same Redis, the same config values), exactly as production replicas share
 * their state services; the baseline replica gets a fresh world of its own. Anything a replica
 * keeps for itself (a port, a temp dir, a local map) must not come from the world.
 *
 * <p>Called from a thread of the check, one call at a time; the check waits at most its start
 * timeout for the call to return.
 */
@FunctionalInterface
public interface ReplicaFactory {

    /**
     * Starts a replica that is ready to serve when this method returns.
     *
     * @throws Exception if it cannot start; the check then fails with an {@link IllegalStateException}
     */
    Replica start(World world) throws Exception;
}
