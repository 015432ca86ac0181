from csvlite.parse import parse_line
