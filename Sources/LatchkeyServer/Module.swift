// LatchkeyServer: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyServerModule {}
