"""Date and number formats for the city's languages Django has none for (FORMAT_MODULE_PATH).
Without them these pages would write dates with English month names."""
