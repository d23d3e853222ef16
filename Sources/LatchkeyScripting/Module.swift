// LatchkeyScripting: placeholder until the module lands.
import LatchkeyCore

enum LatchkeyScriptingModule {}
