"""The workbench: server-rendered pages (Django templates + htmx) for the people Tessera is
for, one module per page, all writing through the same services as the API. It lives in
linking because its pages span PIM and DAM (a product's media, an asset's products)."""
