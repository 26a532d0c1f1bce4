from portal.zones import Routes

app_name = "powers"

routes = Routes()
