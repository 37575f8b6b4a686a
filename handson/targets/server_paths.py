"""The paths the suite's emulator answers in front of moto (handson.targets.moto_engine), named
once for the server and for the runs that ask it."""

# Which engine decides IAM (server_identity.decides_with_engine): a plain moto answers 404.
ENGINE_PATH = "/handson-engine"
SERVER_PATH = "/handson-server"  # the server's own name, which its starter gave it
CLI_PATH = "/handson-cli"  # the warm AWS CLI the server keeps for attached runs (hosted_cli)
