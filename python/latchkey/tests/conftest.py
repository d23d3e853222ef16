# The plugin's own tests run pytest inside pytest (pytester), each in a subprocess with the
# package's source on PYTHONPATH so it also works before the wheel is installed.
pytest_plugins = ["pytester"]
