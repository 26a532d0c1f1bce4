from portal.zones import Routes

app_name = "video"

routes = Routes()
