def parse_line(line):
    """Split one CSV line into fields. A field in double quotes may hold commas."""
    return [field.strip('"') for field in line.split(",")]
