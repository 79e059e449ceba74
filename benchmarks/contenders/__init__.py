"""One module per contender family; each follows the protocol in ``_common``."""
