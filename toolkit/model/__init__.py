"""Model classes: ``GenericModel`` holds the ADS workflow once; ``frameworks/`` add one flavor each.

Nothing is imported here so that ``import toolkit.model`` stays free of ML frameworks.
"""
