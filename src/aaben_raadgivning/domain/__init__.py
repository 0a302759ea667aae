"""Pure domain rules: CPR numbers, Danish dates, working days, search folding and open hours."""
