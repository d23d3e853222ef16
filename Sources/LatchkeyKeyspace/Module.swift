// LatchkeyKeyspace: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyKeyspaceModule {}
