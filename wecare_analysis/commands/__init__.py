"""Sub-commands of the ``wecare`` command line, one module per theme."""
