"""A second test app whose ``ready()`` registers an import kind under a code already taken («values»): installing it
must stop the site from starting (``tests/test_registry.py`` loads it in a separate process)."""
