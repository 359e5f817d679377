"""mvm.web_fetch / web_search outside a guest and the checks made before anything is sent. The guest
path is covered end to end by packages/mvmctl/test/runtime/fetch.e2e.test.ts."""

import unittest

import mvm


class FetchOutsideGuest(unittest.TestCase):
    def test_unavailable_typed(self) -> None:
        with self.assertRaises(mvm.FetchUnavailableError) as cm:
            mvm.web_fetch("https://api.example.com/")
        self.assertEqual(cm.exception.code, "E_FETCH_UNAVAILABLE")
        self.assertIsInstance(cm.exception, mvm.FetchError)
        self.assertIsInstance(cm.exception, mvm.MvmError)
        with self.assertRaises(mvm.FetchUnavailableError):
            mvm.web_search("x")

    def test_checks_before_sending(self) -> None:
        with self.assertRaises(mvm.FetchTooLargeError) as cm:
            mvm.web_fetch("https://a.example/", method="POST", body=b"x" * (1024 * 1024 + 1))
        self.assertEqual(cm.exception.code, "E_FETCH_TOO_LARGE")
        for t in (0, -1, 121, True):
            with self.assertRaises(mvm.FetchInvalidError):
                mvm.web_fetch("https://a.example/", timeout=t)
        with self.assertRaises(mvm.FetchInvalidError):
            mvm.web_search("  ")


if __name__ == "__main__":
    unittest.main()
