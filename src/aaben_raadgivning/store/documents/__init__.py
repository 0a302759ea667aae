"""Documents made from stored data: the printable agreement, the JSON export."""
