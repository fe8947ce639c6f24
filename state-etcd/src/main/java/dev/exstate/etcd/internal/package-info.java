/**
 * Implementation of exstate; not API. Types here are public only so other exstate modules can
 * use them; they may change or disappear in any release.
 *
 * <p>Connection, keys, config watch and lease backend behind {@link dev.exstate.etcd.EtcdState}.
 */
package dev.exstate.etcd.internal;
