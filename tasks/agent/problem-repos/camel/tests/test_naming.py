import unittest

from naming import snake_to_camel


class CamelTest(unittest.TestCase):
    def test_two_words(self):
        self.assertEqual(snake_to_camel("hello_world"), "helloWorld")
