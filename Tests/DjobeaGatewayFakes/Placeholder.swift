// Local fakes of the outside services; see the files of this directory.
enum GatewayFakes {}
