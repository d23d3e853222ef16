// LatchkeyBroker: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyBrokerModule {}
