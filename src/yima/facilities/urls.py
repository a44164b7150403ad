"""Ledger URLs: the pages (urls_ledger) and Excel in and out (urls_excel)."""

from yima.facilities.urls_excel import urlpatterns as excel_patterns
from yima.facilities.urls_ledger import urlpatterns as ledger_patterns

app_name = "facilities"
urlpatterns = ledger_patterns + excel_patterns
