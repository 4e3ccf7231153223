"""Input and output adapters: visits and teams from CSV, Excel and JSON; plans to files."""
