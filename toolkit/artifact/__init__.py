"""The model artifact: files ``prepare()`` writes, the request payload, verify and introspection.

Modules here know nothing about the catalog or deployments; they work on a directory.
"""
