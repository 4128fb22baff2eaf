"""The run report: tables and plots of status, databases, models and inference."""
