# language: ja
@cleanup
機能: ハンズオンの片付け
  ハンズオンの最後「🧹 片付け（リソース削除）」で削除するものが、アカウントに残っていないことを確かめる。
  pytest features/ --target existing --cleanup で、これらのシナリオだけを実行する。アカウントは読むだけで、何も変更しない。
  片付けそのものは、マネジメントコンソールか handson cleanup --delete で行う。
  インスタンスは停止では片付けにならない: 停止していても EBS ボリュームの料金がかかる。

  背景:
    前提 片付けを終えたアカウントを読む

  @C1
  シナリオ: EC2インスタンスを削除
    ならば タグ Name=handson-instance のインスタンスは終了している

  @C2
  シナリオ: S3バケットを削除
    ならば バケット handson-s3-1 と handson-s3-2 は残っていない

  @C3
  シナリオ: IAMロールを削除
    ならば ロール handson-iam-role もその名前のインスタンスプロファイルも残っていない

  @C4
  シナリオ: IAMユーザーを削除
    ならば ユーザー handson-iam-user は残っていない

  @C5
  シナリオ: IAMポリシーを削除
    ならば ポリシー handson-iam-user-policy と handson-iam-role-policy はどのバージョンも残っていない
