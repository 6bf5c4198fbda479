from haki.crisis.tests.conftest import network  # noqa: F401 - the same test network
