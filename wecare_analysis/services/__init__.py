"""Service offer: readers of every format, taxonomy and classification, ingest with quarantine, placement."""

from wecare_analysis.services.classify import classify_rows, classify_tags, classify_texts
from wecare_analysis.services.ingest import ServiceValidation, validate_services
from wecare_analysis.services.placement import (
    municipality_of_codes,
    municipality_of_points,
    services_by_municipality,
)
from wecare_analysis.services.taxonomy import Category, Taxonomy, category_codes, classify_osm, load_taxonomy

__all__ = [
    "Category",
    "ServiceValidation",
    "Taxonomy",
    "category_codes",
    "classify_osm",
    "classify_rows",
    "classify_tags",
    "classify_texts",
    "load_taxonomy",
    "municipality_of_codes",
    "municipality_of_points",
    "services_by_municipality",
    "validate_services",
]
