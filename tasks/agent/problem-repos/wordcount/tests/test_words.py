import unittest

from words import top_words


class WordsTest(unittest.TestCase):
    def test_counts(self):
        self.assertEqual(top_words("a b a", 1), [("a", 2)])

    def test_case(self):
        self.assertEqual(top_words("The cat saw the dog", 1), [("the", 2)])
