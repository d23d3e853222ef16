// LatchkeyRESP: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyRESPModule {}
