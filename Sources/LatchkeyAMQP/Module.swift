// LatchkeyAMQP: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyAMQPModule {}
