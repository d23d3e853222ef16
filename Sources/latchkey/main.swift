// The latchkey executable: argv → Config → Server.run. Everything else lives in LatchkeyServer.
import LatchkeyServer

print("latchkey: not yet wired")
