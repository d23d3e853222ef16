// LatchkeyChannels: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyChannelsModule {}
