/**
 * {@code HttpSession} on exstate through Spring Session: {@link dev.exstate.spring.boot.session.ExstateSessionRepository}
 * is a Spring Session {@code SessionRepository} over an exstate {@code SessionStore}.
 */
package dev.exstate.spring.boot.session;
