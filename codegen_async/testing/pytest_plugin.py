"""pytest plugin shipped with codegen-client (registered through the ``pytest11`` entry point)."""
