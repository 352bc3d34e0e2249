"""The password every test account shares; tests sign in with it through the real forms."""

PASSWORD = "correct horse battery staple"
