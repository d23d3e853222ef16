# The plugin's own tests run pytest inside pytest (pytester), in-process, with the package's
# source on sys.path so they also work before the wheel is installed. pytester moves the inner
# runs into temporary directories, so a relative LATCHKEY_BIN is made absolute here.
import os

pytest_plugins = ["pytester"]

if os.environ.get("LATCHKEY_BIN"):
    os.environ["LATCHKEY_BIN"] = os.path.abspath(os.environ["LATCHKEY_BIN"])
