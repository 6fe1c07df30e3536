print("sipflow")
