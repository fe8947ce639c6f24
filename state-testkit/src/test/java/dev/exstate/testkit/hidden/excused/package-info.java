/** A fixture package the hidden-state rules must excuse as a whole. */
@ProcessLocal("fixture: a package of harness code that never runs as a replica")
package dev.exstate.testkit.hidden.excused;

import dev.exstate.runtime.ProcessLocal;
