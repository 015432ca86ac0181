import unittest

from textkit.slug import slugify


class SlugTest(unittest.TestCase):
    def test_plain(self):
        self.assertEqual(slugify("Hello World"), "hello-world")

    def test_punctuation_at_the_ends(self):
        self.assertEqual(slugify("Hello, World!"), "hello-world")
