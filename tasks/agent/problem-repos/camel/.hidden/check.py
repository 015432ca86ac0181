def check(call):
    assert call("naming.snake_to_camel", "hello_world") == "helloWorld"
    assert call("naming.snake_to_camel", "a_b_c") == "aBC"
    assert call("naming.snake_to_camel", "single") == "single"
