from portal.zones import Routes

app_name = "supervision"

routes = Routes()
