package dev.exstate.examples;

import dev.exstate.testkit.backend.EtcdServer;
import dev.exstate.testkit.backend.RedisServer;
import dev.exstate.testkit.s3.S3ProxyServer;

/**
 * One {@code redis-server}, one {@code etcd} and one in-process s3proxy on loopback ports, for the
 * integration tests of the demo; {@link #close()} stops all three, each even if another fails.
 */
record RealBackends(RedisServer redis, EtcdServer etcd, S3ProxyServer s3) implements AutoCloseable {

    static RealBackends start() {
        RedisServer redis = RedisServer.builder().start();
        EtcdServer etcd = null;
        try {
            etcd = EtcdServer.builder().start();
            return new RealBackends(redis, etcd, S3ProxyServer.startTransient());
        } catch (RuntimeException e) {
            new RealBackends(redis, etcd, null).close();
            throw e;
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : new AutoCloseable[] {s3, etcd, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the next one still gets closed
            }
        }
    }
}
