"""Test harness for suites that use Dockyard: the pytest plugin, mock_datascience(), throwaway credentials."""
