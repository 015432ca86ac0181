def check(call):
    assert call("textkit.slug.slugify", "Hello, World!") == "hello-world"
    assert call("textkit.slug.slugify", "  --Python 3.12--  ") == "python-3-12"
    assert call("textkit.slug.slugify", "a") == "a"
    assert call("textkit.slug.slugify", "!!!") == ""
