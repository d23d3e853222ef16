// LatchkeyCommands: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyCommandsModule {}
