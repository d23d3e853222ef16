// LatchkeyLoop: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyLoopModule {}
