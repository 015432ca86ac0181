def snake_to_camel(name):
    """hello_world -> helloWorld (the first word stays lower case)."""
    return "".join(word.capitalize() for word in name.split("_"))
