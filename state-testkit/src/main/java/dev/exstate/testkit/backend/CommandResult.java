package dev.exstate.testkit.backend;

import java.util.List;

/**
 * What a finished helper command (redis-cli, etcdctl) printed and how it exited. Note that some
 * tools print their answer on stderr ({@code etcdctl endpoint health} does), so check both.
 */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
    public CommandResult {
        command = List.copyOf(command);
    }

    public boolean isSuccess() {
        return exitCode == 0;
    }

    /** stdout followed by stderr. */
    public String output() {
        return stdout + stderr;
    }

    /** Returns this result if the command exited with 0, otherwise throws with its output. */
    public CommandResult requireSuccess() {
        if (!isSuccess()) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + exitCode
                    + "\nstdout: " + stdout.strip() + "\nstderr: " + stderr.strip());
        }
        return this;
    }
}
