"""Who sees what: the one module that scopes every app's querysets by user.

It imports other apps' models only, so any app may import it without a cycle.
"""
